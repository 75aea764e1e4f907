// A value-change-dump writer (IEEE 1364 VCD) sampling the accelerator once per cycle: the
// controller's state and tile, the buffer and DRAM ports, and one PE row's registers. Values are
// written only when they change. The caller names the file (MantSim's Swift side gives a fresh
// temporary file and renames it into place once the job has succeeded).
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace mantsim {

class VcdWriter {
  public:
    // Declares signals, then `begin()` writes the header. Returns the signal's index.
    size_t add(const std::string &scope, const std::string &name, unsigned width);
    void begin(const std::string &path, uint64_t period_ps);
    void sample(uint64_t cycle, const std::vector<uint64_t> &values);
    // Closes the file; on `keep == false` removes it. False when writing it failed (the file is
    // removed then too).
    bool finish(bool keep);
    bool active() const { return stream_.is_open(); }

  private:
    struct Signal {
        std::string scope, name, id;
        unsigned width;
    };
    std::vector<Signal> signals_;
    std::vector<uint64_t> last_;
    std::ofstream stream_;
    std::string path_;
    uint64_t period_ps_ = 1;
    bool first_ = true;
};

}  // namespace mantsim
