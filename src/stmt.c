/* stmt - being written. */
