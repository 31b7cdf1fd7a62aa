#include <cstdio>

int main() {
  std::puts("stockpulse: under construction");
  return 0;
}
