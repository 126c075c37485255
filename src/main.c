/* main - being written. */
