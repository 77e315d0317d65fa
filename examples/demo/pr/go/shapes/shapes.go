// Package shapes is a tiny package for prowcov's bundled example.
package shapes

// Area returns the area of a w by h rectangle, or 0 for negative sides.
func Area(w, h int) int {
	if w < 0 || h < 0 {
		return 0
	}
	return w * h
}

// Perimeter returns the perimeter of a w by h rectangle.
func Perimeter(w, h int) int {
	return 2 * (w + h)
}

// Square returns the area of an s by s square.
func Square(s int) int {
	return Area(s, s)
}
