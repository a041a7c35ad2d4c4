package org.fkt.cli;

import java.util.Arrays;

/**
 * Entry point of the {@code fkt} command. The training commands of the paper arrive with the models
 * and the regimes; today it offers {@code demo}, the smoke training run (the default).
 */
public final class Main {
    private static final String USAGE = """
            usage: fkt [demo] [--steps N] [--batch N] [--lr X] [--seed N]
              demo   train a small conv net on generated images and print the falling loss (default)
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        String[] rest = args;
        if (args.length > 0 && !args[0].startsWith("-")) {
            if (!args[0].equals("demo")) {
                System.err.print("unknown command '" + args[0] + "'\n" + USAGE);
                return 2;
            }
            rest = Arrays.copyOfRange(args, 1, args.length);
        }
        int steps = 120;
        int batch = 32;
        double lr = 0.05;
        long seed = 1;
        try {
            for (int i = 0; i < rest.length; i++) {
                String flag = rest[i];
                if (flag.equals("--help") || flag.equals("-h")) {
                    System.out.print(USAGE);
                    return 0;
                }
                if (i + 1 >= rest.length) {
                    throw new IllegalArgumentException("flag " + flag + " needs a value");
                }
                String value = rest[++i];
                switch (flag) {
                    case "--steps" -> steps = positive(flag, Integer.parseInt(value));
                    case "--batch" -> batch = positive(flag, Integer.parseInt(value));
                    case "--lr" -> lr = Double.parseDouble(value);
                    case "--seed" -> seed = Long.parseLong(value);
                    default -> throw new IllegalArgumentException("unknown flag " + flag);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.print(e.getMessage() + "\n" + USAGE);
            return 2;
        }
        new DemoTraining(seed).train(steps, batch, lr, 10, System.out);
        return 0;
    }

    private static int positive(String flag, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(flag + " must be at least 1, got " + value);
        }
        return value;
    }
}
