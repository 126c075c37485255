/* listener - being written. */
