using System.Text;

namespace CertFleet.Providers.Pki;

/// <summary>
/// Go's time.ParseDuration / Duration.String, which cert-manager uses for <c>duration</c> and <c>renewBefore</c>
/// ("2160h", "1h30m", "1.5h", "90m0s"). Sub-100ns precision is truncated to TimeSpan ticks.
/// </summary>
public static class GoDuration
{
    private const ulong Nanosecond = 1;
    private const ulong Microsecond = 1000 * Nanosecond;
    private const ulong Millisecond = 1000 * Microsecond;
    private const ulong Second = 1000 * Millisecond;
    private const ulong Minute = 60 * Second;
    private const ulong Hour = 60 * Minute;
    private const ulong MaxMagnitude = 1UL << 63; // |int64.MinValue|
    private const ulong NanosecondsPerTick = 100;

    private static readonly Dictionary<string, ulong> Units = new(StringComparer.Ordinal)
    {
        ["ns"] = Nanosecond,
        ["us"] = Microsecond,
        ["µs"] = Microsecond, // U+00B5 micro sign
        ["μs"] = Microsecond, // U+03BC Greek mu
        ["ms"] = Millisecond,
        ["s"] = Second,
        ["m"] = Minute,
        ["h"] = Hour,
    };

    public static TimeSpan Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParse(s, out var duration, out var error)
            ? duration
            : throw new PkiException($"\"{s}\" is not a Go duration: {error}; write it like \"2160h\", \"1h30m\" or \"1.5h\" (units h, m, s, ms, us, ns)");
    }

    public static bool TryParse(string? s, out TimeSpan duration) => TryParse(s, out duration, out _);

    /// <summary>Go's Duration.String(): "2160h0m0s", "1m30s", "1.5s", "1.5ms", "0s".</summary>
    public static string Format(TimeSpan duration)
    {
        var negative = duration.Ticks < 0;
        var nanoseconds = (UInt128)Int128.Abs(duration.Ticks) * NanosecondsPerTick;
        var text = new StringBuilder();
        if (nanoseconds < Second)
        {
            if (nanoseconds == 0)
            {
                return "0s";
            }
            var (unit, precision) = nanoseconds < Microsecond ? ("ns", 0) : nanoseconds < Millisecond ? ("µs", 3) : ("ms", 6);
            text.Append(Fraction(ref nanoseconds, precision)).Append(unit);
            text.Insert(0, nanoseconds);
        }
        else
        {
            var fraction = Fraction(ref nanoseconds, 9);
            var seconds = nanoseconds % 60;
            var minutes = nanoseconds / 60 % 60;
            var hours = nanoseconds / 3600;
            if (hours > 0)
            {
                text.Append(hours).Append('h');
            }
            if (hours > 0 || minutes > 0)
            {
                text.Append(minutes).Append('m');
            }
            text.Append(seconds).Append(fraction).Append('s');
        }
        return negative ? "-" + text : text.ToString();
    }

    /// <summary>Splits off the last <paramref name="precision"/> digits as ".ddd" without trailing zeros; the value keeps the rest.</summary>
    private static string Fraction(ref UInt128 value, int precision)
    {
        var digits = new StringBuilder();
        var significant = false;
        for (var i = 0; i < precision; i++)
        {
            var digit = (int)(value % 10);
            significant |= digit != 0;
            if (significant)
            {
                digits.Insert(0, (char)('0' + digit));
            }
            value /= 10;
        }
        return significant ? "." + digits : "";
    }

    private static bool TryParse(string? s, out TimeSpan duration, out string error)
    {
        duration = default;
        error = "it is empty";
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        var rest = s.AsSpan();
        var negative = rest[0] == '-';
        if (rest[0] is '-' or '+')
        {
            rest = rest[1..];
        }
        if (rest is "0")
        {
            return true;
        }
        if (rest.IsEmpty)
        {
            error = "it has a sign and nothing else";
            return false;
        }

        ulong total = 0;
        while (!rest.IsEmpty)
        {
            if (rest[0] is not ('.' or (>= '0' and <= '9')))
            {
                error = $"expected a number at \"{rest}\"";
                return false;
            }

            var integerDigits = CountDigits(rest);
            if (!TryParseInteger(rest[..integerDigits], out var whole))
            {
                error = "a number is too large";
                return false;
            }
            rest = rest[integerDigits..];

            var (fraction, scale, fractionDigits) = (0UL, 1.0, 0);
            if (!rest.IsEmpty && rest[0] == '.')
            {
                rest = rest[1..];
                fractionDigits = CountDigits(rest);
                (fraction, scale) = LeadingFraction(rest[..fractionDigits]);
                rest = rest[fractionDigits..];
            }
            if (integerDigits == 0 && fractionDigits == 0)
            {
                error = "a '.' has no digits around it";
                return false;
            }

            var unitLength = rest.IndexOfAny("0123456789.");
            if (unitLength < 0)
            {
                unitLength = rest.Length;
            }
            if (unitLength == 0)
            {
                error = "a number has no unit";
                return false;
            }
            var unitText = rest[..unitLength].ToString();
            rest = rest[unitLength..];
            if (!Units.TryGetValue(unitText, out var unit))
            {
                error = $"unknown unit \"{unitText}\"";
                return false;
            }

            if (whole > MaxMagnitude / unit)
            {
                error = "it overflows (the maximum is about 2562047h)";
                return false;
            }
            var value = whole * unit;
            if (fraction > 0)
            {
                value += (ulong)(fraction * (unit / scale));
                if (value > MaxMagnitude)
                {
                    error = "it overflows (the maximum is about 2562047h)";
                    return false;
                }
            }
            total += value;
            if (total > MaxMagnitude)
            {
                error = "it overflows (the maximum is about 2562047h)";
                return false;
            }
        }
        if (!negative && total > MaxMagnitude - 1)
        {
            error = "it overflows (the maximum is about 2562047h)";
            return false;
        }

        var ticks = (long)(total / NanosecondsPerTick);
        duration = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    private static int CountDigits(ReadOnlySpan<char> s)
    {
        var count = s.IndexOfAnyExceptInRange('0', '9');
        return count < 0 ? s.Length : count;
    }

    private static bool TryParseInteger(ReadOnlySpan<char> digits, out ulong value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (value > (MaxMagnitude - 1) / 10)
            {
                return false;
            }
            value = value * 10 + (ulong)(c - '0');
            if (value > MaxMagnitude)
            {
                return false;
            }
        }
        return true;
    }

    // Like Go's leadingFraction: digits beyond what fits are ignored rather than an error.
    private static (ulong Fraction, double Scale) LeadingFraction(ReadOnlySpan<char> digits)
    {
        ulong fraction = 0;
        var scale = 1.0;
        foreach (var c in digits)
        {
            if (fraction > (MaxMagnitude - 1) / 10)
            {
                break;
            }
            fraction = fraction * 10 + (ulong)(c - '0');
            scale *= 10;
        }
        return (fraction, scale);
    }
}
