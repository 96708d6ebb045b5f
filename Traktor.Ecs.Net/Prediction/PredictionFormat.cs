namespace Traktor.Ecs.Net.Prediction;

/// <summary>The bytes of the input messages (docs/PROTOCOL.md, "Inputs").</summary>
internal static class PredictionFormat
{
    /// <summary>Client → server: the newest inputs, oldest first.</summary>
    public const byte InputMessage = 0x70;

    /// <summary>Server → client: how many ticks of input the server holds for it.</summary>
    public const byte InputStatusMessage = 0x71;

    /// <summary>Inputs carried by one message: the newest and up to this many minus one before it.</summary>
    public const int MaxInputsPerMessage = 8;

    /// <summary>Ticks of input history kept on each side (a power of two).</summary>
    public const int HistoryTicks = 64;

    /// <summary>Kind, newest tick, view tick, view fraction, count.</summary>
    public const int InputHeaderBytes = 1 + 4 + 4 + 1 + 1;

    /// <summary>Kind, server tick, buffered ticks.</summary>
    public const int StatusBytes = 1 + 4 + 2;
}
