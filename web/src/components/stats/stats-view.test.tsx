import { renderToStaticMarkup } from "react-dom/server";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { shortDay } from "./chart";
import { RankedList, initial } from "./TopCards";

const hostile = "<img src=x onerror=alert(1)>";

describe("shortDay", () => {
  it("labels local days without zone maths", () => {
    expect(shortDay("2024-06-09")).toBe("9 Jun");
    expect(shortDay("2024-06-09", true)).toBe("Sun 9 Jun 2024");
    expect(shortDay("nonsense")).toBe("nonsense");
  });
});

describe("initial", () => {
  it("takes the first letter or digit", () => {
    expect(initial("alice")).toBe("A");
    expect(initial("\u202eevil\u202c.exe")).toBe("E");
    expect(initial("🎬🎬 Movie Night")).toBe("M");
    expect(initial("<>")).toBe("?");
  });
});

describe("RankedList", () => {
  const rows = [
    { key: "a", name: hostile, hours: 1.5, seconds: 5400, plays: 1, thumb: null },
    { key: "b", name: "Bob", hours: 0.5, seconds: 1800, plays: 4, thumb: null },
  ];
  it("keeps hostile names as text and shows h:mm from seconds", () => {
    const html = renderToStaticMarkup(<RankedList rows={rows} metric="hours" />);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("1:30");
    expect(html.indexOf("&lt;img")).toBeLessThan(html.indexOf("Bob"));
  });
  it("re-ranks by plays", () => {
    const html = renderToStaticMarkup(<RankedList rows={rows} metric="plays" />);
    expect(html.indexOf("Bob")).toBeLessThan(html.indexOf("&lt;img"));
    expect(html).toContain(">4</strong>");
  });
  it("links a row's name where it leads, the name still text", () => {
    const linked = [{ ...rows[0]!, href: "/history?item_id=4711", linkLabel: "its plays" }, rows[1]!];
    const html = renderToStaticMarkup(
      <MemoryRouter>
        <RankedList rows={linked} metric="hours" />
      </MemoryRouter>,
    );
    expect(html).toMatch(/<a aria-label="its plays" href="\/history\?item_id=4711"[^>]*>&lt;img src=x onerror=alert\(1\)&gt;<\/a>/);
    expect(html.match(/<a /g)).toHaveLength(1); // Bob has nowhere to go: no link
  });
});
