namespace CertFleet.Grains;

internal static class ReminderExtensions
{
    /// <summary>Unregisters the grain's reminder of that name when it has one; Orleans refuses to unregister an unknown reminder.</summary>
    public static async Task UnregisterReminderIfAnyAsync(this IGrainBase grain, string name)
    {
        if (await grain.GetReminder(name) is { } reminder)
            await grain.UnregisterReminder(reminder);
    }
}
