package shapes

import "testing"

func TestArea(t *testing.T) {
	if Area(2, 3) != 6 {
		t.Fatal("Area(2, 3) != 6")
	}
}
