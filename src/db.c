/* db - being written. */
