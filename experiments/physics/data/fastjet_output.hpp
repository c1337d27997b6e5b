#pragma once

// FastJet prints a banner on its first clustering, and errors and warnings
// to std::cerr. A library must not print, so every entry point of this
// library that runs FastJet calls silence_fastjet_output() first.

namespace physics {

// Turns off FastJet's banner, error printing and warning printing for the
// whole process, once; later calls do nothing. This is global FastJet state,
// so it also silences FastJet for other code in the same program. FastJet
// errors still reach the caller as fastjet::Error exceptions.
void silence_fastjet_output();

}  // namespace physics
