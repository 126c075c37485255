/* fcgi_io - being written. */
