using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Tests.Scripting;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// The RPC rates (a client's on the server, a script's own) are checked when they are made, as
/// the handshake budget's are (attack review 28, the options audit). Before, NaN and infinity passed the <c>&lt;= 0</c>
/// checks: the token bucket became NaN, never "below one token", so the rate limit was off for every client (or script).
/// </summary>
public sealed class RpcRateOptionsValidationTests
{
    [Theory]
    [InlineData(nameof(RpcOptions.RatePerSecond), double.NaN)]
    [InlineData(nameof(RpcOptions.RatePerSecond), double.PositiveInfinity)]
    [InlineData(nameof(RpcOptions.RatePerSecond), 0.0)]
    [InlineData(nameof(RpcOptions.Burst), double.NaN)]
    [InlineData(nameof(RpcOptions.Burst), double.PositiveInfinity)]
    [InlineData(nameof(RpcOptions.Burst), 0.5)]
    public void A_client_rpc_rate_that_is_not_finite_or_too_small_is_refused(string option, double value)
    {
        var options = new RpcOptions();
        typeof(RpcOptions).GetProperty(option)!.SetValue(options, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, refused.ParamName);
        Assert.Contains(option + " must be finite", refused.Message);
    }

    [Fact]
    public void The_smallest_valid_client_rpc_rates_are_taken() => new RpcOptions { RatePerSecond = double.Epsilon, Burst = 1 }.Validate();

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0.0)]
    public void A_script_rpc_rate_that_is_not_finite_and_positive_is_refused(double value)
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptHost(options: new LuaScriptOptions { RpcsPerSecond = value }));
        Assert.Equal(nameof(LuaScriptOptions.RpcsPerSecond), refused.ParamName);
    }
}
