import { useState, type ReactNode } from "react";
import { Link } from "react-router";
import type { NowCard } from "../api/types";
import { decision } from "../lib/decision";
import { formatClock, formatHms, formatMbps, imageUrl, localUrl } from "../lib/format";
import { userHref } from "../lib/links";
import { livePosition, progressPct } from "../lib/progress";
import { Poster } from "./Poster";

/** Emby's strings are shown as text only: React escapes them, nothing here sets HTML. */

function Chip({ children, tone, title }: { children: React.ReactNode; tone?: string; title?: string }) {
  return (
    <span className={tone ? `chip pill tone-${tone}` : "chip"} title={title}>
      {children}
    </span>
  );
}

function join(parts: (string | null | undefined | false)[], sep = " "): string {
  return parts.filter((p): p is string => typeof p === "string" && p.length > 0).join(sep);
}

export interface NowCardViewProps {
  card: NowCard;
  receivedAt: number;
  now: number;
  timeZone: string | undefined;
  /** The admin's session controls, when the viewer is the admin. */
  controls?: ReactNode;
}

/** The item's backdrop behind the card (asked for 640 px wide: 1920 or more at the source), faint; nothing when there is none or it fails to load. */
function Backdrop({ src }: { src: string | null }) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) return null;
  return <img className="now-backdrop" src={src} alt="" aria-hidden="true" loading="lazy" decoding="async" onError={() => setFailed(true)} />;
}

export function NowCardView({ card, receivedAt, now, timeZone, controls }: NowCardViewProps) {
  const title = card.display || card.title || "Unknown item";
  const position = livePosition(card, receivedAt, now);
  const pct = progressPct(position, card.duration_sec);
  const how = decision(card.play_method);
  const tc = card.transcode;
  const mbps = formatMbps(card.bitrate);
  const video = card.video;
  const audio = card.audio;
  const subs = card.subs;
  const tcPct = tc?.progress_pct != null ? Math.max(0, Math.min(100, tc.progress_pct)) : null;

  return (
    <article className={card.is_paused ? "now-card paused" : "now-card"} aria-label={`${title}, played by ${card.user ?? "an unknown user"}`}>
      <Backdrop src={imageUrl(card.backdrop, 640)} />
      <Poster src={localUrl(card.poster)} label={title} variant="poster" />
      <div className="now-body">
        <div className="now-head">
          <h3 className="now-title" title={title}>
            {title}
          </h3>
          <span className={`pill tone-${how.tone}`}>{how.label}</span>
        </div>
        <div className="now-meta">
          {card.user_id ? (
            <Link className="now-user" to={userHref(card.user_id)}>
              {card.user ?? "Unknown user"}
            </Link>
          ) : (
            <span className="now-user">{card.user ?? "Unknown user"}</span>
          )}
          <span className="muted">{join([card.client, card.device], " · ") || "Unknown client"}</span>
          {card.item_type ? <span className="muted">{card.live_tv ? "Live TV" : card.item_type}</span> : null}
        </div>

        <div className="progress-row">
          <div
            className="progress"
            role="progressbar"
            aria-label="Playback progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct == null ? undefined : Math.round(pct)}
            aria-valuetext={`${formatHms(position)} of ${card.duration_sec != null ? formatHms(card.duration_sec) : "unknown length"}`}
          >
            {tcPct != null ? <div className="progress-transcode" style={{ width: `${tcPct}%` }} /> : null}
            <div className="progress-fill" style={{ width: `${pct ?? 0}%` }} />
          </div>
          <div className="progress-text">
            <span className="tabular">
              {formatHms(position)} / {card.duration_sec != null ? formatHms(card.duration_sec) : "–:––:––"}
            </span>
            {card.is_paused ? <span className="pill tone-paused">Paused</span> : null}
          </div>
        </div>

        <div className="chips" aria-label="Stream details">
          {video ? (
            <>
              <Chip title="Resolution">{video.resolution}</Chip>
              {video.hdr ? <Chip title="HDR">{video.hdr}</Chip> : null}
              {video.codec ? <Chip title="Video codec">{join([video.codec.toUpperCase(), video.bit_depth ? `${video.bit_depth}-bit` : null])}</Chip> : null}
            </>
          ) : null}
          {mbps ? <Chip title="Bitrate sent">{mbps}</Chip> : null}
        </div>

        <dl className="tracks">
          {audio ? (
            <>
              <dt>Audio</dt>
              <dd>{join([audio.language, audio.codec?.toUpperCase(), audio.layout, audio.atmos ? "Atmos" : null]) || "Unknown"}</dd>
            </>
          ) : null}
          <dt>Subtitles</dt>
          <dd>
            {subs ? join([subs.language, subs.codec?.toUpperCase()]) || "On" : "None"}
            {subs?.burned_in ? (
              <>
                {" "}
                <span className="pill tone-burn-in">Burn-in</span>
              </>
            ) : null}
          </dd>
          <dt>Started</dt>
          <dd>{formatClock(card.started_at, timeZone)}</dd>
        </dl>

        {tc ? (
          <div className="transcode">
            <div className="transcode-line">
              {tc.video_from || tc.video_to ? (
                <span>
                  Video {tc.video_from ?? "?"} → {tc.video_to ?? "?"}
                  {tc.to_resolution ? ` (${tc.to_resolution})` : ""}
                </span>
              ) : null}
              {tc.audio_from || tc.audio_to ? (
                <span>
                  Audio {tc.audio_from ?? "?"} → {tc.audio_to ?? "?"}
                </span>
              ) : null}
              {tc.hardware ? <span>HW: {tc.hardware}</span> : <span>Software</span>}
              {tcPct != null ? <span className="tabular">Transcoded {tcPct.toFixed(0)}%</span> : null}
              {tc.speed != null ? <span className="tabular">Speed {tc.speed.toFixed(1)}×</span> : null}
              {tc.throttled ? <span>Throttled</span> : null}
            </div>
            {tc.reasons_text.length > 0 ? (
              <div className="reasons">
                <span className="muted">Why: </span>
                {tc.reasons_text.join("; ")}
              </div>
            ) : null}
          </div>
        ) : null}
        {controls}
      </div>
    </article>
  );
}
