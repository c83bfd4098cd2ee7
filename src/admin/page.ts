export const operatorPage = "<!doctype html><title>d-back</title>";
export const operatorScript = "";
