using System.Globalization;

namespace CertFleet.Interfaces.Fleet;

/// <summary>The fleet view's time windows, written as a whole number and a unit: <c>30d</c>, <c>12h</c>, <c>90m</c>, <c>2w</c>.</summary>
public static class FleetWindow
{
    /// <summary>The window <paramref name="text"/> names, or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static TimeSpan? Parse(string text, out string? problem)
    {
        problem = null;
        var value = text.Trim();
        if (value.Length >= 2 && int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            TimeSpan? window = value[^1] switch
            {
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                'w' => TimeSpan.FromDays(7.0 * amount),
                _ => null,
            };
            if (window is { } parsed && parsed <= TimeSpan.FromDays(3650))
                return parsed;
        }
        problem = $"\"{text}\" is not a window such as 30d, 12h, 90m or 2w (a positive whole number, then m, h, d or w; at most 10 years)";
        return null;
    }

    /// <summary>The window as <see cref="Parse"/> reads it back, in the largest whole unit.</summary>
    public static string Format(TimeSpan window) => window switch
    {
        { TotalDays: >= 1 } when window.TotalDays % 1 == 0 => $"{(int)window.TotalDays}d",
        { TotalHours: >= 1 } when window.TotalHours % 1 == 0 => $"{(int)window.TotalHours}h",
        _ => $"{(int)Math.Ceiling(window.TotalMinutes)}m",
    };
}
