using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

public class PemBundleTests
{
    [Fact]
    public void Split_returns_every_block_in_order_and_ignores_text_between_them()
    {
        var pem = "Bag Attributes: ignored\n" + PemBundle.Encode("CERTIFICATE", [1, 2, 3]) + "comment\r\n" + PemBundle.Encode("PRIVATE KEY", [4, 5]);

        var blocks = PemBundle.Split(pem);

        Assert.Equal(2, blocks.Count);
        Assert.Equal("CERTIFICATE", blocks[0].Label);
        Assert.Equal([1, 2, 3], blocks[0].Der);
        Assert.Equal("PRIVATE KEY", blocks[1].Label);
        Assert.Equal([4, 5], blocks[1].Der);
    }

    [Fact]
    public void A_broken_block_after_a_good_one_is_reported_by_position()
    {
        var pem = PemBundle.Encode("CERTIFICATE", [1]) + "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n";

        var error = Assert.Throws<PkiException>(() => PemBundle.Split(pem));

        Assert.StartsWith("PEM block 2 (\"-----BEGIN CERTIFICATE-----\") is malformed", error.Message);
    }

    [Fact]
    public void Encode_writes_64_column_base64_ending_in_a_newline()
    {
        var pem = PemBundle.Encode("CERTIFICATE", new byte[100]);

        var lines = pem.Split('\n');
        Assert.Equal("-----BEGIN CERTIFICATE-----", lines[0]);
        Assert.Equal(64, lines[1].Length);
        Assert.Equal("-----END CERTIFICATE-----", lines[^2]);
        Assert.Equal("", lines[^1]);
    }

    [Fact]
    public void Join_separates_blocks_with_newlines()
    {
        Assert.Equal("a\nb\nc\n", PemBundle.Join(["a", "b\n", "c"]));
    }

    [Fact]
    public void Combined_is_key_then_a_newline_then_the_chain()
    {
        Assert.Equal("KEY\n\nCHAIN\n", PemBundle.Combined("KEY\n", "CHAIN\n"));
    }
}
