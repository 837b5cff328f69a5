import { useState } from "react";

/**
 * An image from our own proxy, or a film-frame box when there is none or it fails to load. `poster` is the Now
 * Playing card's; `thumb` a ranked list's (the title beside it, so the image itself says nothing).
 */
export function Poster({ src, label, variant }: { src: string | null; label: string; variant: "poster" | "thumb" }) {
  const [failed, setFailed] = useState(false);
  const size = variant === "poster" ? 28 : 18;
  if (!src || failed) {
    return (
      <div className={`${variant} ${variant}-fallback`} role="img" aria-label={`No poster for ${label}`}>
        <svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" focusable="false">
          <rect x="3" y="4" width="18" height="16" rx="2" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M10 9l5 3-5 3z" fill="currentColor" />
        </svg>
      </div>
    );
  }
  const dimensions = variant === "thumb" ? { width: 40, height: 60 } : {};
  return (
    <img
      className={variant}
      src={src}
      alt={variant === "poster" ? `Poster: ${label}` : ""}
      loading="lazy"
      decoding="async"
      onError={() => setFailed(true)}
      {...dimensions}
    />
  );
}
