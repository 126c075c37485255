/* store_pg - being written. */
