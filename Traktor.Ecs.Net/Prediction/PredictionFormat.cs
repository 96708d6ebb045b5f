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

    /// <summary>The furthest lead an input status reports for inputs too early to hold (the client steps back by it).</summary>
    public const uint MaxReportedLeadTicks = 4 * HistoryTicks;

    /// <summary>Kind, newest tick, view tick, view fraction, count.</summary>
    public const int InputHeaderBytes = 1 + 4 + 4 + 1 + 1;

    /// <summary>The most bytes one input may take on the wire (its generated serializer's bit stream).</summary>
    public const int MaxInputBytes = 64;

    /// <summary>The longest input message: the header and <see cref="MaxInputsPerMessage"/> inputs of <see cref="MaxInputBytes"/>.</summary>
    public const int MaxMessageBytes = InputHeaderBytes + (MaxInputsPerMessage * MaxInputBytes);

    /// <summary>Kind, the low 16 bits of the server tick, buffered ticks (i8): 4 bytes.</summary>
    public const int StatusBytes = 1 + 2 + 1;

    /// <summary>The buffered-ticks value of a status sent before any input arrived.</summary>
    public const sbyte NoInputYet = sbyte.MinValue;
}
