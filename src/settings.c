/* settings - being written. */
