namespace Demo.Game;

/// <summary>
/// The demo's own client-to-server messages (kinds 0x80–0x8F are free for games): pilot input every
/// tick on the unreliable channel (a lost one is superseded by the next), and fire requests on a
/// reliable channel (a lost shot would be a lost player action).
/// </summary>
public static class DemoMessages
{
    /// <summary>[0x80][thrust: byte 0..255][turn: sbyte -127..127].</summary>
    public const byte Input = 0x80;

    /// <summary>[0x81]: fire once.</summary>
    public const byte Fire = 0x81;

    /// <summary>The size of an input message.</summary>
    public const int InputSize = 3;

    /// <summary>Writes an input message.</summary>
    public static void WriteInput(Span<byte> destination, PilotInput input)
    {
        destination[0] = Input;
        destination[1] = (byte)Math.Round(Math.Clamp(input.Thrust, 0f, 1f) * 255f);
        destination[2] = (byte)(sbyte)Math.Round(Math.Clamp(input.Turn, -1f, 1f) * 127f);
    }

    /// <summary>Reads an input message; false when it is malformed (it is then ignored).</summary>
    public static bool TryReadInput(ReadOnlySpan<byte> message, out PilotInput input)
    {
        input = default;
        if (message.Length != InputSize || message[0] != Input)
        {
            return false;
        }

        input = new PilotInput(message[1] / 255f, Math.Clamp((sbyte)message[2] / 127f, -1f, 1f));
        return true;
    }
}
