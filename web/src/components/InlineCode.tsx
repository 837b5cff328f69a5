/** Text with `backtick` spans shown as code; everything stays text (no HTML is ever interpreted). */
export function InlineCode({ text }: { text: string }) {
  const parts = text.split("`");
  // An odd count of backticks leaves the last one literal.
  if (parts.length % 2 === 0) return <>{text}</>;
  return <>{parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}
