using System.Collections.Concurrent;

namespace CertFleet.Providers.Acme;

/// <summary>
/// The account's orders as the CA lists them, read once for many lookups. After a crash, every Order that had sent
/// newOrder without recording the answer looks for its order in that list; without sharing, each of them would page
/// through the list and read every listed order again (n recoveries × m orders). A listing serves every lookup whose
/// newOrder was sent before the listing started (the CA had created the order by then), for at most
/// <see cref="KeepFor"/>; a failed listing is never kept. One instance per process.
/// </summary>
public sealed class AccountOrderListings
{
    public static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, SharedQuery<IReadOnlyList<AcmeOrder>>> _byAccount = new();

    /// <summary>
    /// The account's orders (at most <paramref name="maxOrders"/>), from a listing started after
    /// <paramref name="sentAt"/>; empty when the CA keeps no orders list (Let's Encrypt). Both times come from the
    /// caller's clock.
    /// </summary>
    public async Task<IReadOnlyList<AcmeOrder>> OrdersAsync(AcmeClient client, string accountUrl, DateTimeOffset sentAt, DateTimeOffset now, int maxOrders)
    {
        while (true)
        {
            var listing = _byAccount.GetOrAdd(accountUrl, _ => Listing(client, maxOrders, now));
            var usable = listing.Started >= sentAt && now - listing.Started < KeepFor && !listing.Task.IsFaulted && !listing.Task.IsCanceled;
            if (!usable)
            {
                _byAccount.TryUpdate(accountUrl, Listing(client, maxOrders, now), listing);
                continue;
            }
            try
            {
                return await listing.Task.ConfigureAwait(false);
            }
            catch
            {
                _byAccount.TryRemove(KeyValuePair.Create(accountUrl, listing));
                throw;
            }
        }
    }

    private static SharedQuery<IReadOnlyList<AcmeOrder>> Listing(AcmeClient client, int maxOrders, DateTimeOffset now) =>
        new(() => ListAsync(client, maxOrders), now);

    private static async Task<IReadOnlyList<AcmeOrder>> ListAsync(AcmeClient client, int maxOrders)
    {
        var account = await client.GetAccountAsync().ConfigureAwait(false);
        var orders = new List<AcmeOrder>();
        for (var page = account.OrdersUrl; page is not null && orders.Count < maxOrders;)
        {
            var (urls, next) = await client.ListOrdersAsync(page).ConfigureAwait(false);
            foreach (var url in urls.Take(maxOrders - orders.Count))
                orders.Add(await client.GetOrderAsync(url).ConfigureAwait(false));
            page = next;
        }
        return orders;
    }
}
