using MeshProxy.Core.Config.Http;

namespace MeshProxy.Tests.Http.Routing;

public class HeaderValueSyntaxTests
{
    [Theory]
    [InlineData("")]
    [InlineData("literal value")]
    [InlineData("100%%")]
    [InlineData("%%REQ(x)%%")]
    [InlineData("%DOWNSTREAM_REMOTE_ADDRESS%")]
    [InlineData("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%")]
    [InlineData("%DOWNSTREAM_LOCAL_ADDRESS%")]
    [InlineData("%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%")]
    [InlineData("%UPSTREAM_REMOTE_ADDRESS%")]
    [InlineData("%PROTOCOL%")]
    [InlineData("%HOSTNAME%")]
    [InlineData("%START_TIME%")]
    [InlineData("user=%REQ(X-User)%")]
    [InlineData("%REQ(x-missing?x-b)%")]
    [InlineData("%REQ(x-user):3%")]
    [InlineData("%REQ(:authority)%%REQ(:path)%")]
    public void TryValidate_SupportedCommandsAndLiterals_Accepted(string value)
    {
        Assert.True(HeaderValueSyntax.TryValidate(value, out var error), error);
    }

    [Theory]
    [InlineData("100%", "'%' at position 3 does not start a command")]
    [InlineData("50% off", "'%' at position 2 does not start a command")]
    [InlineData("%req(x)%", "'%' at position 0 does not start a command")]
    [InlineData("%REQ(x%", "'%' at position 0 does not start a command")]
    [InlineData("%PROTOCOL%%", "'%' at position 10 does not start a command")]
    [InlineData("%START_TIME(%s)%", "'%START_TIME(%s)%' at position 0 is not supported")]
    [InlineData("%UPSTREAM_METADATA([\"istio\",\"x\"])%", "'%UPSTREAM_METADATA([\"istio\",\"x\"])%' at position 0 is not supported")]
    [InlineData("a %DYNAMIC_METADATA(ns:key)%", "'%DYNAMIC_METADATA(ns:key)%' at position 2 is not supported")]
    [InlineData("%FILTER_STATE(key:PLAIN)%", "'%FILTER_STATE(key:PLAIN)%' at position 0 is not supported")]
    [InlineData("%ENVIRONMENT(POD_NAME)%", "'%ENVIRONMENT(POD_NAME)%' at position 0 is not supported")]
    [InlineData("%RESP(x-a)%", "'%RESP(x-a)%' at position 0 is not supported")]
    [InlineData("%UNKNOWN_VAR%", "'%UNKNOWN_VAR%' at position 0 is not supported")]
    [InlineData("%REQ()%", "'%REQ()%' at position 0 is not supported")]
    [InlineData("%REQ(x):0%", "'%REQ(x):0%' at position 0 is not supported")]
    [InlineData("%REQ(a?b?c)%", "'%REQ(a?b?c)%' at position 0 is not supported")]
    public void TryValidate_UnsupportedOrUnterminated_Refused(string value, string expected)
    {
        Assert.False(HeaderValueSyntax.TryValidate(value, out var error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
