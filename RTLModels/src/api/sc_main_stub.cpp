// libsystemc.so defines main() and calls sc_main(); Swift's own main wins at link time, but the
// symbol must still resolve. The process is driven from Swift through mantsim_rtl.h instead.
#include <systemc>

int sc_main(int, char **) { return 0; }
