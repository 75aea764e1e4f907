#include "trace/vcd_writer.hpp"

#include <cstdio>
#include <stdexcept>

namespace mantsim {

namespace {

std::string identifier(size_t index) {
    // VCD identifiers: printable ASCII from '!' to '~', base 94.
    std::string id;
    do {
        id.push_back(static_cast<char>('!' + index % 94));
        index /= 94;
    } while (index > 0);
    return id;
}

std::string binary(uint64_t value, unsigned width) {
    std::string digits;
    for (int bit = static_cast<int>(width) - 1; bit >= 0; --bit) digits.push_back((value >> bit) & 1u ? '1' : '0');
    return digits;
}

}  // namespace

size_t VcdWriter::add(const std::string &scope, const std::string &name, unsigned width) {
    signals_.push_back(Signal{scope, name, identifier(signals_.size()), width});
    return signals_.size() - 1;
}

void VcdWriter::begin(const std::string &path, uint64_t period_ps) {
    path_ = path;
    period_ps_ = period_ps;
    first_ = true;
    last_.assign(signals_.size(), 0);
    stream_.open(path_, std::ios::out | std::ios::trunc);
    if (!stream_) throw std::invalid_argument("vcd: cannot write " + path);
    stream_ << "$version MantSim cycle-level model $end\n$timescale 1ps $end\n$scope module mantsim $end\n";
    std::string open_scope;
    for (const Signal &signal : signals_) {
        if (signal.scope != open_scope) {
            if (!open_scope.empty()) stream_ << "$upscope $end\n";
            stream_ << "$scope module " << signal.scope << " $end\n";
            open_scope = signal.scope;
        }
        stream_ << "$var wire " << signal.width << ' ' << signal.id << ' ' << signal.name << " $end\n";
    }
    if (!open_scope.empty()) stream_ << "$upscope $end\n";
    stream_ << "$upscope $end\n$enddefinitions $end\n";
}

void VcdWriter::sample(uint64_t cycle, const std::vector<uint64_t> &values) {
    if (!stream_.is_open()) return;
    bool stamped = false;
    for (size_t index = 0; index < signals_.size(); ++index) {
        const Signal &signal = signals_[index];
        const uint64_t mask = signal.width >= 64 ? ~0ull : ((1ull << signal.width) - 1);
        const uint64_t value = values[index] & mask;
        if (!first_ && value == last_[index]) continue;
        if (!stamped) {
            stream_ << '#' << cycle * period_ps_ << '\n';
            stamped = true;
        }
        if (signal.width == 1) {
            stream_ << (value ? '1' : '0') << signal.id << '\n';
        } else {
            stream_ << 'b' << binary(value, signal.width) << ' ' << signal.id << '\n';
        }
        last_[index] = value;
    }
    first_ = false;
}

bool VcdWriter::finish(bool keep) {
    if (!stream_.is_open()) return true;
    stream_.flush();
    const bool written = stream_.good();
    stream_.close();
    const bool ok = written && !stream_.fail();
    if (!keep || !ok) std::remove(path_.c_str());
    signals_.clear();
    return ok || !keep;
}

}  // namespace mantsim
