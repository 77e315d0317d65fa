package shapes

import "testing"

func TestArea(t *testing.T) {
	if Area(2, 3) != 6 {
		t.Fatal("Area(2, 3) != 6")
	}
}

func TestPerimeter(t *testing.T) {
	if Perimeter(2, 3) != 10 {
		t.Fatal("Perimeter(2, 3) != 10")
	}
}
