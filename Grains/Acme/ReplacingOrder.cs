using CertFleet.Providers.Acme;

namespace CertFleet.Grains.Acme;

/// <summary>
/// newOrder for an ARI renewal: with <c>replaces</c>, and once more without it when the CA refuses the replacement
/// (409 alreadyReplaced, or 403/400 e.g. after an account change), as lego and acmebot do. Certificates must not
/// expire because an old one was already replaced.
/// </summary>
public static class ReplacingOrder
{
    /// <summary>Event reason on the Order when the replacement was refused.</summary>
    public const string EventReason = "ReplacesRefused";

    /// <summary>The order, and the refusal that made it drop <c>replaces</c> (null when it was accepted or not sent).</summary>
    public static async Task<(AcmeOrder Order, AcmeException? Refusal)> PlaceAsync(
        AcmeClient client, IReadOnlyList<AcmeIdentifier> identifiers, string? profile, string? replaces)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (replaces is null)
            return (await client.NewOrderAsync(identifiers, profile), null);
        try
        {
            return (await client.NewOrderAsync(identifiers, profile, replaces), null);
        }
        catch (AcmeException ex) when (IsRefusal(ex))
        {
            return (await client.NewOrderAsync(identifiers, profile), ex);
        }
    }

    /// <summary>409, 403 or 400, but not a badNonce the client already retried.</summary>
    public static bool IsRefusal(AcmeException ex) =>
        ex is { StatusCode: 409 or 403 or 400 } && ex.Problem?.ShortType != "badNonce";
}
