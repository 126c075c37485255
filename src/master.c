/* master - being written. */
