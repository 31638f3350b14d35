using CertFleet.Providers.Acme;
using CertFleet.TestSupport;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>Orders recovering after a crash share one listing of the account's orders on a real Pebble.</summary>
[Collection(PebbleCollection.Name)]
public sealed class AccountOrderListingsTests(PebbleFixture fixture)
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-28T00:00:00Z");

    private async Task<(AcmeClient Client, RecordingObserver Observer, string Account, List<AcmeOrder> Orders)> AccountWithOrdersAsync(int count)
    {
        var observer = new RecordingObserver();
        var client = await AcmeIssuance.RegisteredClientAsync(fixture.Server, observer);
        var orders = new List<AcmeOrder>();
        for (var i = 0; i < count; i++)
            orders.Add(await client.NewOrderAsync([AcmeIdentifier.Dns($"listed-{i}-{Guid.NewGuid():N}.certfleet.test")]));
        return (client, observer, client.AccountUrl!, orders);
    }

    /// <summary>Answered requests only: Pebble rejects some nonces, and a badNonce retry is one more exchange.</summary>
    /// <summary>A lookup at <paramref name="now"/> seconds for a newOrder sent at <paramref name="sent"/> seconds.</summary>
    private static Task<IReadOnlyList<AcmeOrder>> LookUp(AccountOrderListings listings, AcmeClient client, string account, double sent, double now) =>
        listings.OrdersAsync(client, account, sentAt: Start.AddSeconds(sent), now: Start.AddSeconds(now), maxOrders: 200);

    private static int Calls(RecordingObserver observer, string action) =>
        observer.Exchanges.Count(e => e.Action == action && e.StatusCode == 200);

    [Fact]
    public async Task ConcurrentLookupsShareOneListingAndOneReadOfEachOrder()
    {
        var (client, observer, account, created) = await AccountWithOrdersAsync(3);
        using var owned = client;
        var listings = new AccountOrderListings();

        var all = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => LookUp(listings, client, account, sent: 0, now: 1)));

        Assert.All(all, orders => Assert.Equal(created.Select(o => o.Url).Order(), orders.Select(o => o.Url).Order()));
        Assert.Equal(1, Calls(observer, AcmeActions.ListOrders));
        Assert.Equal(3, Calls(observer, AcmeActions.GetOrder));
    }

    [Fact]
    public async Task ALookupWhoseNewOrderWasSentAfterTheListingStartedListsAgain()
    {
        var (client, observer, account, _) = await AccountWithOrdersAsync(1);
        using var owned = client;
        var listings = new AccountOrderListings();
        await LookUp(listings, client, account, sent: 0, now: 1);

        // an order sent at +2 s, after that listing started: the listing may not show it
        var later = await client.NewOrderAsync([AcmeIdentifier.Dns($"later-{Guid.NewGuid():N}.certfleet.test")]);
        var orders = await LookUp(listings, client, account, sent: 2, now: 3);

        Assert.Contains(orders, o => o.Url == later.Url);
        Assert.Equal(2, Calls(observer, AcmeActions.ListOrders));
    }

    [Fact]
    public async Task AListingIsKeptForAMinuteAtMost()
    {
        var (client, observer, account, _) = await AccountWithOrdersAsync(1);
        using var owned = client;
        var listings = new AccountOrderListings();

        await LookUp(listings, client, account, sent: 0, now: 1);
        await LookUp(listings, client, account, sent: 0, now: 50);
        Assert.Equal(1, Calls(observer, AcmeActions.ListOrders));

        await LookUp(listings, client, account, sent: 0, now: AccountOrderListings.KeepFor.TotalSeconds + 2);
        Assert.Equal(2, Calls(observer, AcmeActions.ListOrders));
    }

    [Fact]
    public async Task MaxOrdersBoundsTheReads()
    {
        var (client, observer, account, _) = await AccountWithOrdersAsync(4);
        using var owned = client;

        var orders = await new AccountOrderListings().OrdersAsync(client, account, Start, Start.AddSeconds(1), maxOrders: 2);

        Assert.Equal(2, orders.Count);
        Assert.Equal(2, Calls(observer, AcmeActions.GetOrder));
    }
}
