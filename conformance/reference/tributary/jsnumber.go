package tributary

import (
	"strconv"
	"strings"
)

// JSNumber formats a float64 as JavaScript's String(n) does (shortest round-trip digits, decimal
// notation for 1e-7 < |n| < 1e21, otherwise "1e+21" / "1e-7" style). Go's strconv gives the
// same digits; only the notation switch and the exponent spelling differ.
func JSNumber(v float64) string {
	if v == 0 {
		return "0"
	}
	abs := v
	if abs < 0 {
		abs = -abs
	}
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'e', -1, 64) // e.g. 1e+21, 1.5e-07
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	digits := strings.TrimLeft(exp[1:], "0")
	if digits == "" {
		digits = "0"
	}
	return mant + "e" + string(sign) + digits
}
