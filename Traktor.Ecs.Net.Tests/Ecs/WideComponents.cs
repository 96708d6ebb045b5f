namespace Traktor.Ecs.Net.Tests.Ecs;

// Twenty-five component types for the widest generated overloads (Arch 2.x generates 1–25). Row r of a test holds
// W<i>(r * 100 + i) in column i, so a column handed to the wrong parameter shows as a wrong value.

public record struct W0(int Value);

public record struct W1(int Value);

public record struct W2(int Value);

public record struct W3(int Value);

public record struct W4(int Value);

public record struct W5(int Value);

public record struct W6(int Value);

public record struct W7(int Value);

public record struct W8(int Value);

public record struct W9(int Value);

public record struct W10(int Value);

public record struct W11(int Value);

public record struct W12(int Value);

public record struct W13(int Value);

public record struct W14(int Value);

public record struct W15(int Value);

public record struct W16(int Value);

public record struct W17(int Value);

public record struct W18(int Value);

public record struct W19(int Value);

public record struct W20(int Value);

public record struct W21(int Value);

public record struct W22(int Value);

public record struct W23(int Value);

public record struct W24(int Value);
