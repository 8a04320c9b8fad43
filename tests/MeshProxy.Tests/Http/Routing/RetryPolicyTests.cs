using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http.Routing;

namespace MeshProxy.Tests.Http.Routing;

public class RetryPolicyTests
{
    private static RetryPolicy Policy(uint retries, params string[] retryOn) => new(new RetryPolicyConfig([.. retryOn], retries));

    [Fact]
    public void Parse_EnvoyTokens_MapToFlags()
    {
        var flags = RetryPolicy.Parse(["5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers", "unavailable", "bogus"]);

        Assert.Equal(
            RetryOn.Http5xx | RetryOn.GatewayError | RetryOn.Reset | RetryOn.ConnectFailure | RetryOn.Retriable4xx
                | RetryOn.RefusedStream | RetryOn.RetriableStatusCodes | RetryOn.RetriableHeaders | RetryOn.GrpcUnavailable,
            flags);
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(599, true)]
    [InlineData(404, false)]
    [InlineData(200, false)]
    public void ShouldRetryResponse_5xx_RetriesServerErrors(int status, bool retry)
    {
        Assert.Equal(retry, Policy(2, "5xx").ShouldRetryResponse(0, status));
    }

    [Theory]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(500, false)]
    public void ShouldRetryResponse_GatewayError_Retries502To504Only(int status, bool retry)
    {
        Assert.Equal(retry, Policy(2, "gateway-error").ShouldRetryResponse(0, status));
    }

    [Fact]
    public void ShouldRetryResponse_Retriable4xx_Retries409Only()
    {
        var policy = Policy(1, "retriable-4xx");

        Assert.True(policy.ShouldRetryResponse(0, 409));
        Assert.False(policy.ShouldRetryResponse(0, 429));
    }

    [Fact]
    public void ShouldRetryResponse_RetriableStatusCodes_RetriesListedCodes()
    {
        var policy = new RetryPolicy(new RetryPolicyConfig(["retriable-status-codes"], 1) { RetriableStatusCodes = [429, 418] });

        Assert.True(policy.ShouldRetryResponse(0, 429));
        Assert.True(policy.ShouldRetryResponse(0, 418));
        Assert.False(policy.ShouldRetryResponse(0, 503));
    }

    [Fact]
    public void ShouldRetryResponse_RetriesExhausted_ReturnsFalse()
    {
        var policy = Policy(2, "5xx");

        Assert.True(policy.ShouldRetryResponse(1, 503));
        Assert.False(policy.ShouldRetryResponse(2, 503));
    }

    [Fact]
    public void ShouldRetryResponse_RateLimited_RetriedOnlyUnderEnvoyRateLimited()
    {
        Assert.False(Policy(1, "5xx").ShouldRetryResponse(0, 503, rateLimited: true));
        Assert.True(Policy(1, "envoy-ratelimited").ShouldRetryResponse(0, 429, rateLimited: true));
    }

    [Theory]
    [InlineData("cancelled", 1)]
    [InlineData("deadline-exceeded", 4)]
    [InlineData("resource-exhausted", 8)]
    [InlineData("internal", 13)]
    [InlineData("unavailable", 14)]
    public void ShouldRetryResponse_GrpcStatus_RetriedUnderItsToken(string token, int grpcStatus)
    {
        Assert.True(Policy(1, token).ShouldRetryResponse(0, 200, grpcStatus: grpcStatus));
        Assert.False(Policy(1, token).ShouldRetryResponse(0, 200, grpcStatus: 2));
    }

    [Theory]
    [InlineData("5xx", UpstreamResetKind.RemoteReset, true)]
    [InlineData("5xx", UpstreamResetKind.ConnectFailure, true)]
    [InlineData("gateway-error", UpstreamResetKind.PerTryTimeout, true)]
    [InlineData("reset", UpstreamResetKind.RemoteReset, true)]
    [InlineData("connect-failure", UpstreamResetKind.ConnectFailure, true)]
    [InlineData("connect-failure", UpstreamResetKind.RemoteReset, false)]
    [InlineData("refused-stream", UpstreamResetKind.RefusedStream, true)]
    [InlineData("refused-stream", UpstreamResetKind.RemoteReset, false)]
    [InlineData("5xx", UpstreamResetKind.Overflow, false)]
    [InlineData("retriable-4xx", UpstreamResetKind.RemoteReset, false)]
    public void ShouldRetryReset_ByCondition_FollowsEnvoy(string token, UpstreamResetKind reset, bool retry)
    {
        Assert.Equal(retry, Policy(1, token).ShouldRetryReset(0, reset, requestSent: true));
    }

    [Fact]
    public void ShouldRetryReset_ResetBeforeRequest_OnlyWhenNothingWasSent()
    {
        var policy = Policy(1, "reset-before-request");

        Assert.True(policy.ShouldRetryReset(0, UpstreamResetKind.RemoteReset, requestSent: false));
        Assert.False(policy.ShouldRetryReset(0, UpstreamResetKind.RemoteReset, requestSent: true));
        Assert.False(policy.ShouldRetryReset(1, UpstreamResetKind.RemoteReset, requestSent: false));
    }

    [Fact]
    public void GetBackOff_DefaultBase_FullJitterBelowDoublingIntervalCappedAtTenTimesBase()
    {
        var policy = Policy(10, "5xx");
        var random = new RandomSource(new Random(7));
        long[] bounds = [25, 50, 100, 200, 250, 250, 250];
        for (var retry = 1; retry <= bounds.Length; retry++)
        {
            var max = TimeSpan.Zero;
            for (var i = 0; i < 2000; i++)
            {
                var backOff = policy.GetBackOff(retry, random);
                Assert.InRange(backOff, TimeSpan.Zero, TimeSpan.FromMilliseconds(bounds[retry - 1] - 1));
                max = backOff > max ? backOff : max;
            }

            // Full jitter reaches close to the bound.
            Assert.True(max >= TimeSpan.FromMilliseconds(bounds[retry - 1] * 0.9), $"retry {retry}: max {max}");
        }
    }

    [Fact]
    public void GetBackOff_ConfiguredBaseAndMax_UsesThem()
    {
        var policy = new RetryPolicy(new RetryPolicyConfig(["5xx"], 5) { BackOffBase = TimeSpan.FromMilliseconds(100), BackOffMax = TimeSpan.FromMilliseconds(300) });

        Assert.Equal(TimeSpan.FromMilliseconds(99), policy.GetBackOff(1, new SequenceRandom(99)));
        Assert.Equal(TimeSpan.FromMilliseconds(199), policy.GetBackOff(2, new SequenceRandom(199)));
        Assert.Equal(TimeSpan.FromMilliseconds(299), policy.GetBackOff(3, new SequenceRandom(299)));
        Assert.Equal(TimeSpan.FromMilliseconds(299), policy.GetBackOff(6, new SequenceRandom(299)));
    }
}
