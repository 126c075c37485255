/* router - being written. */
