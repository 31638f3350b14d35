using CertFleet.Providers.Acme;
using CertFleet.TestSupport;

namespace CertFleet.Providers.Tests.Acme;

[Collection(PebbleCollection.Name)]
public sealed class AcmeAccountPebbleTests(PebbleFixture fixture)
{
    private PebbleServer Pebble => fixture.Server;

    [Fact]
    public async Task Registering_creates_an_account_and_registering_again_finds_it()
    {
        using var key = AcmeAccountKey.Generate();
        using var client = AcmeIssuance.Client(Pebble, key);

        var created = await client.RegisterAccountAsync(new AcmeAccountRequest { TermsOfServiceAgreed = true, Contact = ["admin@example.com"] });
        var again = await client.RegisterAccountAsync(new AcmeAccountRequest { TermsOfServiceAgreed = true });
        var existing = await client.RegisterAccountAsync(new AcmeAccountRequest { OnlyReturnExisting = true });

        Assert.Equal("valid", created.Status);
        Assert.Equal(["mailto:admin@example.com"], created.Contact);
        Assert.Equal(created.Url, client.AccountUrl);
        Assert.Equal(created.Url, again.Url);
        Assert.Equal(created.Url, existing.Url);
        Assert.StartsWith(Pebble.DirectoryUrl.GetLeftPart(UriPartial.Authority), created.Url);
    }

    [Fact]
    public async Task Looking_up_an_unknown_key_gives_accountDoesNotExist_which_means_re_register()
    {
        using var key = AcmeAccountKey.Generate();
        using var client = AcmeIssuance.Client(Pebble, key);

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.RegisterAccountAsync(new AcmeAccountRequest { OnlyReturnExisting = true }));

        Assert.Equal("accountDoesNotExist", error.Problem!.ShortType);
        Assert.Equal(AcmeProblemAction.ReRegister, error.Problem.Action);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal(AcmeActions.RegisterAccount, error.Action);
        Assert.Null(client.AccountUrl);
    }

    [Fact]
    public async Task An_account_is_read_and_its_contacts_updated()
    {
        using var client = await AcmeIssuance.RegisteredClientAsync(Pebble);

        var updated = await client.UpdateAccountAsync(["ops@example.com", "mailto:sec@example.com"]);
        var read = await client.GetAccountAsync();

        Assert.Equal(["mailto:ops@example.com", "mailto:sec@example.com"], updated.Contact);
        Assert.Equal(updated.Contact, read.Contact);
        Assert.Equal(client.AccountUrl, read.Url);
    }

    [Theory]
    [InlineData("ES384")]
    [InlineData("RS256")]
    public async Task Other_key_algorithms_register_too(string algorithm)
    {
        using var key = AcmeAccountKey.Generate(algorithm);
        using var client = AcmeIssuance.Client(Pebble, key);

        var account = await client.RegisterAccountAsync(new AcmeAccountRequest { TermsOfServiceAgreed = true });

        Assert.Equal("valid", account.Status);
    }

    [Fact]
    public async Task After_a_key_rollover_the_new_key_owns_the_account_and_the_old_one_is_unknown()
    {
        using var oldKey = AcmeAccountKey.Generate();
        using var newKey = AcmeAccountKey.Generate("ES384");
        using var client = AcmeIssuance.Client(Pebble, oldKey);
        var account = await client.RegisterAccountAsync(new AcmeAccountRequest { TermsOfServiceAgreed = true });

        await client.RolloverKeyAsync(newKey);

        Assert.Same(newKey, client.AccountKey);
        Assert.Equal("tok." + newKey.Thumbprint, client.KeyAuthorization("tok"));
        Assert.Equal("valid", (await client.GetAccountAsync()).Status);
        using var withNewKey = AcmeIssuance.Client(Pebble, newKey);
        Assert.Equal(account.Url, (await withNewKey.RegisterAccountAsync(new AcmeAccountRequest { OnlyReturnExisting = true })).Url);
        using var withOldKey = AcmeIssuance.Client(Pebble, oldKey);
        var error = await Assert.ThrowsAsync<AcmeException>(() => withOldKey.RegisterAccountAsync(new AcmeAccountRequest { OnlyReturnExisting = true }));
        Assert.Equal("accountDoesNotExist", error.Problem!.ShortType);
    }

    [Fact]
    public async Task A_deactivated_account_is_refused_afterwards()
    {
        using var client = await AcmeIssuance.RegisteredClientAsync(Pebble);

        await client.DeactivateAccountAsync();

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetAccountAsync());
        Assert.Equal("unauthorized", error.Problem!.ShortType);
        Assert.Equal(403, error.StatusCode);
    }

    [Fact]
    public async Task Without_the_caBundle_the_listener_certificate_is_not_trusted()
    {
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new AcmeClientOptions { DirectoryUrl = Pebble.DirectoryUrl }, key);

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync());

        Assert.Equal(0, error.StatusCode);
        Assert.Equal(AcmeActions.Discover, error.Action);
        Assert.StartsWith("Could not reach the ACME server 127.0.0.1:", error.Message);
    }

    [Fact]
    public async Task SkipTlsVerify_accepts_the_listener_certificate()
    {
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new AcmeClientOptions { DirectoryUrl = Pebble.DirectoryUrl, SkipTlsVerify = true }, key);

        var directory = await client.GetDirectoryAsync();

        Assert.False(directory.Meta.ExternalAccountRequired);
        Assert.Equal("data:text/plain,Do%20what%20thou%20wilt", directory.Meta.TermsOfService);
        Assert.NotNull(directory.KeyChange);
    }

    [Fact]
    public async Task A_caBundle_of_another_CA_is_not_trusted()
    {
        using var key = AcmeAccountKey.Generate();
        var otherRoot = await Pebble.RootPemAsync(0);
        using var client = new AcmeClient(new AcmeClientOptions { DirectoryUrl = Pebble.DirectoryUrl, CaBundlePem = otherRoot }, key);

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync());

        Assert.Equal(0, error.StatusCode);
    }
}
