/* handler_meta - being written. */
