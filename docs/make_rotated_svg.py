"""Draw docs/rotated.svg: one rotated box in both conventions, corners numbered.

Run ``python docs/make_rotated_svg.py`` from the repository root; it uses only
boxgeom and the standard library.
"""

from pathlib import Path

from boxgeom.rotated import rotated_corners

BOX = [[0.0, 0.0, 4.0, 2.0, 30.0]]  # (cx, cy, w, h, angle in degrees)
SCALE, SIZE = 40.0, 320.0


def to_screen(x, y):
    """Image coordinates: origin at the centre, y pointing down (as in OpenCV)."""
    return SIZE / 2 + SCALE * x, SIZE / 2 + SCALE * y


def panel(convention, colour):
    corners = rotated_corners(BOX, convention=convention)[0]
    points = " ".join("%.1f,%.1f" % to_screen(x, y) for x, y in corners)
    parts = [f'<polygon points="{points}" fill="{colour}" fill-opacity="0.25" stroke="{colour}" stroke-width="2"/>']
    for k, (x, y) in enumerate(corners):
        sx, sy = to_screen(x, y)
        parts.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="3" fill="{colour}"/>')
        parts.append(f'<text x="{sx + 5:.1f}" y="{sy - 5:.1f}" font-size="13" fill="{colour}">{k}</text>')
    # the w-axis from the centre to the middle of the edge between corners 1 and 2
    mx, my = (corners[1] + corners[2]) / 2
    ex, ey = to_screen(mx, my)
    cx, cy = to_screen(0, 0)
    parts.append(f'<line x1="{cx}" y1="{cy}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="{colour}" stroke-width="2" marker-end="url(#arrow)"/>')
    return parts


def main():
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE:.0f}" height="{SIZE:.0f}" font-family="sans-serif">',
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="6" refY="3" orient="auto">'
        '<path d="M0,0 L6,3 L0,6 z" fill="black"/></marker></defs>',
        f'<rect width="{SIZE:.0f}" height="{SIZE:.0f}" fill="white"/>',
        f'<line x1="0" y1="{SIZE / 2}" x2="{SIZE}" y2="{SIZE / 2}" stroke="#999"/>',
        f'<line x1="{SIZE / 2}" y1="0" x2="{SIZE / 2}" y2="{SIZE}" stroke="#999"/>',
        f'<text x="{SIZE - 20}" y="{SIZE / 2 - 6}" font-size="13">x</text>',
        f'<text x="{SIZE / 2 + 6}" y="{SIZE - 6}" font-size="13">y (down)</text>',
    ]
    body += panel("opencv", "#1f77b4") + panel("torchvision", "#d62728")
    body += [
        '<text x="8" y="18" font-size="13" fill="#1f77b4">convention="opencv": w-axis (cos a, sin a)</text>',
        '<text x="8" y="36" font-size="13" fill="#d62728">convention="torchvision": w-axis (cos a, -sin a)</text>',
        '<text x="8" y="54" font-size="13">box (0, 0, w=4, h=2, a=30 deg), image y down</text>',
        "</svg>",
    ]
    Path(__file__).with_name("rotated.svg").write_text("\n".join(body) + "\n")


if __name__ == "__main__":
    main()
