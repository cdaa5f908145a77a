/* The numeric core (src/core) must not use the terminal: this header stands
 * in for <term.h> on the core's include path so that an include of it fails
 * to build. See HACKING.md. */
#error "src/core must not include <term.h>: terminal code belongs in src/tui"
