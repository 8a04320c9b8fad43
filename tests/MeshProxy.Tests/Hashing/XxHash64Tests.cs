using System.Text;
using MeshProxy.Core.Hashing;

namespace MeshProxy.Tests.Hashing;

// Expected values from the reference C library (libxxhash 0.8, XXH64).
public sealed class XxHash64Tests
{
    [Theory]
    [InlineData("", 0UL, 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0UL, 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0UL, 0x44BC2CF5AD770999UL)]
    [InlineData("Nobody inspects the spammish repetition", 0UL, 0xFBCEA83C8A378BF1UL)]
    [InlineData("Nobody inspects the spammish repetition", 20141025UL, 0xCE06936136852706UL)]
    [InlineData("10.0.0.1:8080", 0UL, 0xCB972177068EB685UL)]
    [InlineData("10.0.0.1:8080", 1UL, 0x0DFCE9EFD349B428UL)]
    public void Hash_ReferenceVectors_MatchXxh64(string input, ulong seed, ulong expected) =>
        Assert.Equal(expected, XxHash64.Hash(Encoding.UTF8.GetBytes(input), seed));
}
