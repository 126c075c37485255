/* worker - being written. */
