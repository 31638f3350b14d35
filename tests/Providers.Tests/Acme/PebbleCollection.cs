namespace CertFleet.Providers.Tests.Acme;

/// <summary>Tests sharing <see cref="PebbleFixture"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PebbleCollection : ICollectionFixture<PebbleFixture>
{
    public const string Name = "Pebble";
}
