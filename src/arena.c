/* arena - being written. */
