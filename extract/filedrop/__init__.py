"""File drop: hand-filled annex templates (Phụ lục V, VNeID, chữ ký số) read from an inbox into raw."""
