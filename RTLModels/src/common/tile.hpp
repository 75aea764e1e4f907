// A job's unit of work on the array, shared by the array, the streamers and the controller.
#pragma once

#include <cstddef>

namespace mantsim {

// One tile of a job: a block of tokens, output channels and reduction steps.
struct Tile {
    size_t m0 = 0, mt = 0;  // tokens
    size_t n0 = 0, nt = 0;  // output channels
    size_t k0 = 0, kt = 0;  // reduction steps (WS: rows in use; OS: all of K)
};

}  // namespace mantsim
