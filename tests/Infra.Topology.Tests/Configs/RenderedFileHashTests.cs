using System.Security.Cryptography;
using System.Text;
using Infra.Topology.Configs;

namespace Infra.Topology.Tests.Configs;

public class RenderedFileHashTests
{
    [Fact]
    public void The_hash_is_the_sha256_of_the_utf8_text()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", File("abc").Sha256);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", File("").Sha256);
    }

    [Fact]
    public void A_long_text_is_hashed_as_one_piece_even_where_a_character_spans_a_slice_boundary()
    {
        // The file is encoded 16,384 characters at a time: this emoji's two UTF-16 halves sit on either side of the first cut.
        var text = new string('x', 16383) + "\U0001F600" + string.Concat(Enumerable.Repeat("é\n", 9000));
        Assert.True(char.IsHighSurrogate(text[16383]));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), File(text).Sha256);
    }

    private static RenderedFile File(string content) => new("host1", "x.conf", content, null, ChangeAction.Reload);
}
