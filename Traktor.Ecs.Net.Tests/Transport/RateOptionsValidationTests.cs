using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The rates of the introducer's and the stream transports' budgets are checked when they are made, as the handshake
/// budget's are (<see cref="HandshakeBudgetOptionsTests"/>). Before (review41), NaN and infinity passed a <c>&lt;= 0</c>
/// check: an infinite stream connection rate made an address's bucket NaN at its second stream in one instant (refused for
/// good), and an introducer rate below one packet (one largest datagram, one register burst) a second refused everything.
/// </summary>
public sealed class RateOptionsValidationTests
{
    [Theory]
    [InlineData(nameof(IntroducerOptions.RelayPacketsPerSecond), double.NaN)]
    [InlineData(nameof(IntroducerOptions.RelayPacketsPerSecond), double.PositiveInfinity)]
    [InlineData(nameof(IntroducerOptions.RelayPacketsPerSecond), 0.5)]
    [InlineData(nameof(IntroducerOptions.RelayBytesPerSecond), double.NaN)]
    [InlineData(nameof(IntroducerOptions.RelayBytesPerSecond), double.PositiveInfinity)]
    [InlineData(nameof(IntroducerOptions.RelayBytesPerSecond), 1000.0)] // below the 1,472-byte largest datagram
    [InlineData(nameof(IntroducerOptions.RegistersPerSecond), double.NaN)]
    [InlineData(nameof(IntroducerOptions.RegistersPerSecond), double.PositiveInfinity)]
    [InlineData(nameof(IntroducerOptions.RegistersPerSecond), 0.25)]
    public void An_introducer_rate_that_would_refuse_everything_or_nothing_is_refused_when_it_is_made(string option, double value)
    {
        var options = new IntroducerOptions();
        typeof(IntroducerOptions).GetProperty(option)!.SetValue(options, value);
        using var socket = new InMemoryNetwork().CreateTransport();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new Introducer(socket, options, new FakeTimeProvider()));
        Assert.Equal(option, refused.ParamName);
    }

    [Fact]
    public void The_smallest_valid_introducer_rates_are_taken()
    {
        using var socket = new InMemoryNetwork().CreateTransport();
        using var introducer = new Introducer(socket, new IntroducerOptions
        {
            RelayPacketsPerSecond = 1,
            RelayBytesPerSecond = new IntroducerOptions().MaxRelayDatagram,
            RegistersPerSecond = 0.5,
        }, new FakeTimeProvider());
    }

    [Theory]
    [InlineData(nameof(StreamTransportOptions.ConnectionRatePerSecond), double.NaN)]
    [InlineData(nameof(StreamTransportOptions.ConnectionRatePerSecond), double.PositiveInfinity)]
    [InlineData(nameof(StreamTransportOptions.ConnectionRatePerSecond), 0.0)]
    [InlineData(nameof(StreamTransportOptions.ConnectionBurst), double.NaN)]
    [InlineData(nameof(StreamTransportOptions.ConnectionBurst), double.PositiveInfinity)]
    [InlineData(nameof(StreamTransportOptions.ConnectionBurst), 0.5)]
    public void A_stream_connection_rate_that_is_not_finite_or_too_small_is_refused(string option, double value)
    {
        var options = new StreamTransportOptions();
        typeof(StreamTransportOptions).GetProperty(option)!.SetValue(options, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, refused.ParamName);
    }
}
