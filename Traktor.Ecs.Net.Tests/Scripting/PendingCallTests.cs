using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A host call polled on the tick thread that throws (Lua's <c>joinSession</c> handed connect information it cannot use,
/// such as a 16-byte punch key) fails the script's call with the exception's message; before, the exception left the
/// tick thread in the middle of the script host's tick.
/// </summary>
public sealed class PendingCallTests
{
    [Fact]
    public void A_poll_that_throws_answers_the_call_with_its_message()
    {
        int polls = 0;
        var call = PendingCall.Poll(() =>
        {
            polls++;
            return polls < 3 ? null : throw new ArgumentException("A punch key has 32 bytes.", "punchKey");
        });

        Assert.False(call.TryComplete(out _, out _));
        Assert.False(call.TryComplete(out _, out _));
        Assert.True(call.TryComplete(out var result, out string? error));
        Assert.Equal(ScriptValueKind.Nil, result.Kind);
        Assert.StartsWith("A punch key has 32 bytes.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_poll_that_answers_is_passed_through()
    {
        var call = PendingCall.Poll(() => (ScriptValue.Nil, "joinSession: could not connect to the session's server"));
        Assert.True(call.TryComplete(out _, out string? error));
        Assert.Equal("joinSession: could not connect to the session's server", error);
    }
}
