/* http - being written. */
