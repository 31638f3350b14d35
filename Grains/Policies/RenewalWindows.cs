using CertFleet.Interfaces.Api;
using CertFleet.Providers.Pki;
using Cronos;

namespace CertFleet.Grains.Policies;

/// <summary>
/// <c>spec.renewal.windows</c> (cert-manager v1.21): a renewal starts only inside a window, a span of
/// <c>windowDuration</c> from each time the <c>cron</c> expression (five fields, read in <c>timezone</c>, UTC when unset)
/// names. As cert-manager places it, the renewal time stays where renewBefore puts it when that is inside a window and
/// otherwise moves to the start of the next window (searched up to notAfter + windowDuration). A window that was missed
/// (the controller was down through it) moves the time to the next window again, unless that one opens only after the
/// certificate expires: then it renews at once.
/// </summary>
public static class RenewalWindows
{
    public sealed record Window(CronExpression Cron, TimeZoneInfo Zone, TimeSpan Duration)
    {
        /// <summary>Whether <paramref name="at"/> is in [start, start + duration) of one of this window's starts.</summary>
        public bool Contains(DateTimeOffset at) =>
            Cron.GetNextOccurrence(at - Duration, Zone, inclusive: false) is { } start && start <= at;

        public DateTimeOffset? NextStart(DateTimeOffset from) => Cron.GetNextOccurrence(from, Zone, inclusive: true);
    }

    /// <summary>The windows of the spec; each problem goes to <paramref name="errors"/> naming the field and the fix.</summary>
    public static IReadOnlyList<Window> Parse(IReadOnlyList<RenewalWindow>? windows, List<string>? errors = null)
    {
        var parsed = new List<Window>();
        for (var i = 0; i < (windows?.Count ?? 0); i++)
        {
            var window = windows![i];
            var field = $"spec.renewal.windows[{i}]";
            CronExpression? cron = null;
            TimeZoneInfo? zone = TimeZoneInfo.Utc;
            TimeSpan? duration = null;
            try
            {
                cron = CronExpression.Parse(window.Cron, CronFormat.Standard);
            }
            catch (CronFormatException ex)
            {
                errors?.Add($"{field}.cron: Invalid value: \"{window.Cron}\": {ex.Message.TrimEnd('.')}; write five fields (minute hour day-of-month month day-of-week), e.g. \"0 2 * * 6\"");
            }
            if (!string.IsNullOrEmpty(window.Timezone) && !TimeZoneInfo.TryFindSystemTimeZoneById(window.Timezone, out zone))
                errors?.Add($"{field}.timezone: Invalid value: \"{window.Timezone}\": not an IANA time zone; use a name such as \"Europe/Berlin\" or leave it unset for UTC");
            if (GoDuration.TryParse(window.WindowDuration, out var length) && length > TimeSpan.Zero)
                duration = length;
            else
                errors?.Add($"{field}.windowDuration: Invalid value: \"{window.WindowDuration}\": a positive duration such as \"4h\" or \"30m\" is required");
            if (cron is not null && zone is not null && duration is { } d)
                parsed.Add(new Window(cron, zone, d));
        }
        return parsed;
    }

    /// <summary>
    /// When a certificate valid in [<paramref name="notBefore"/>, <paramref name="notAfter"/>) whose renewal is wanted
    /// at <paramref name="desired"/> is renewed, seen at <paramref name="now"/>; <paramref name="desired"/> when no
    /// window opens in time (cert-manager then renews at the plain renewal time too).
    /// </summary>
    public static DateTimeOffset Place(IReadOnlyList<Window> windows, DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset desired, DateTimeOffset now)
    {
        if (windows.Count == 0)
            return desired;
        var at = windows.Any(w => w.Contains(desired)) ? desired : NextStart(windows, desired, notAfter) ?? desired;
        if (now >= at && now < notAfter && !windows.Any(w => w.Contains(now)) && NextStart(windows, now, notAfter) is { } next && next < notAfter)
            at = next;
        return at;
    }

    /// <summary>The earliest window start at or after <paramref name="from"/> that is at most notAfter + that window's duration.</summary>
    private static DateTimeOffset? NextStart(IReadOnlyList<Window> windows, DateTimeOffset from, DateTimeOffset notAfter) =>
        windows.Select(w => w.NextStart(from) is { } start && start <= notAfter + w.Duration ? start : (DateTimeOffset?)null)
            .Where(start => start is not null)
            .Min();
}
