/* log - being written. */
