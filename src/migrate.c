/* migrate - being written. */
