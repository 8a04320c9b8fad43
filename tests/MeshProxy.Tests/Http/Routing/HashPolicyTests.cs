using MeshProxy.Core.Hashing;
using System.Net;
using System.Numerics;
using System.Text;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http.Routing;
using static MeshProxy.Tests.Http.Routing.RouteConfigs;

namespace MeshProxy.Tests.Http.Routing;

public class HashPolicyTests
{
    private static ulong Xx(string text) => XxHash64.Hash(Encoding.UTF8.GetBytes(text));

    private static HashPolicy Policy(params HashPolicyConfig[] inputs) => new([.. inputs]);

    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    [InlineData("Nobody inspects the spammish repetition", 0xFBCEA83C8A378BF1UL)]
    public void XxHash64_KnownVectors_Match(string input, ulong expected)
    {
        Assert.Equal(expected, Xx(input));
    }

    [Fact]
    public void TryComputeHash_Header_HashesValue()
    {
        var policy = Policy(new HashPolicyConfig(HashPolicyKind.Header, "x-user"));

        Assert.True(policy.TryComputeHash(Get("/").WithHeader("x-user", "alice"), out var hash));
        Assert.Equal(Xx("alice"), hash);
        Assert.False(policy.TryComputeHash(Get("/"), out _));
    }

    [Fact]
    public void TryComputeHash_RepeatedHeader_IndependentOfOrder()
    {
        var policy = Policy(new HashPolicyConfig(HashPolicyKind.Header, "x-tag"));

        policy.TryComputeHash(Get("/").WithHeader("x-tag", "foo").WithHeader("x-tag", "bar"), out var first);
        policy.TryComputeHash(Get("/").WithHeader("x-tag", "bar").WithHeader("x-tag", "foo"), out var second);

        Assert.Equal(first, second);
        Assert.Equal(XxHash64.Hash("foo"u8, XxHash64.Hash("bar"u8)), first);
    }

    [Fact]
    public void TryComputeHash_Cookie_HashesCookieValue()
    {
        var policy = Policy(new HashPolicyConfig(HashPolicyKind.Cookie, "session"));

        Assert.True(policy.TryComputeHash(Get("/").WithHeader("cookie", "a=1; session=\"xyz\"; b=2"), out var hash));
        Assert.Equal(Xx("xyz"), hash);
        Assert.True(policy.TryComputeHash(Get("/").WithHeader("cookie", "a=1").WithHeader("cookie", "session=xyz"), out hash));
        Assert.Equal(Xx("xyz"), hash);
        Assert.False(policy.TryComputeHash(Get("/").WithHeader("cookie", "sessionx=1"), out _));
    }

    [Fact]
    public void TryComputeHash_SourceIp_HashesAddressText()
    {
        var policy = Policy(new HashPolicyConfig(HashPolicyKind.SourceIp, string.Empty));
        var request = Get("/");
        request.RemoteAddress = new IPEndPoint(IPAddress.Parse("10.1.2.3"), 5555);

        Assert.True(policy.TryComputeHash(request, out var hash));
        Assert.Equal(Xx("10.1.2.3"), hash);
        request.RemoteAddress = null;
        Assert.False(policy.TryComputeHash(request, out _));
    }

    [Fact]
    public void TryComputeHash_QueryParameter_HashesFirstRawValue()
    {
        var policy = Policy(new HashPolicyConfig(HashPolicyKind.QueryParameter, "user"));

        Assert.True(policy.TryComputeHash(Get("/p?x=1&user=a%20b&user=c"), out var hash));
        Assert.Equal(Xx("a%20b"), hash);
        Assert.False(policy.TryComputeHash(Get("/p?x=1"), out _));
    }

    [Fact]
    public void TryComputeHash_TwoInputs_CombinedByRotateAndXor()
    {
        var policy = Policy(new HashPolicyConfig(HashPolicyKind.Header, "x-a"), new HashPolicyConfig(HashPolicyKind.Header, "x-b"));

        Assert.True(policy.TryComputeHash(Get("/").WithHeader("x-a", "1").WithHeader("x-b", "2"), out var hash));
        Assert.Equal(BitOperations.RotateLeft(Xx("1"), 1) ^ Xx("2"), hash);

        // A missing input is skipped, not mixed in.
        Assert.True(policy.TryComputeHash(Get("/").WithHeader("x-b", "2"), out hash));
        Assert.Equal(Xx("2"), hash);
    }

    [Fact]
    public void TryComputeHash_TerminalInputWithHash_StopsThere()
    {
        var policy = Policy(
            new HashPolicyConfig(HashPolicyKind.Header, "x-a") { Terminal = true },
            new HashPolicyConfig(HashPolicyKind.Header, "x-b"));

        Assert.True(policy.TryComputeHash(Get("/").WithHeader("x-a", "1").WithHeader("x-b", "2"), out var hash));
        Assert.Equal(Xx("1"), hash);

        // Terminal without a hash: the walk goes on.
        Assert.True(policy.TryComputeHash(Get("/").WithHeader("x-b", "2"), out hash));
        Assert.Equal(Xx("2"), hash);
    }

    [Fact]
    public void Route_HashPolicyConfigured_IsExposed()
    {
        var action = new ForwardActionConfig { Cluster = "c", HashPolicy = [new HashPolicyConfig(HashPolicyKind.Header, "x-user")] };
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), action));

        Assert.NotNull(table.FindRoute(Get("/"))!.HashPolicy);
        Assert.Null(Single(Prefix("/", "c")).FindRoute(Get("/"))!.HashPolicy);
    }
}
